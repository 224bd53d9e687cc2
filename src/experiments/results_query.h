// The rows of a results database as a table, for `freelunch results`: filters, columns, and
// text or CSV output. A column (and a --where key) is one of
//  - a built-in field: hash variant status attempts loss acc gen params state_bytes tok_s
//    train_s wall_s threads worker started finished error   (acc, gen: overall whole-answer
//    accuracy, teacher-forced / generated; state_bytes: inference state at position 1)
//  - a config key, e.g. model.d_state (the key's default when the cell does not set it)
//  - acc@N, gen@N: whole-answer accuracy at task size N (teacher-forced / generated)
//  - metrics.PATH: any value of the cell's summary.json, e.g. metrics.eval.overall.tf.answer
#pragma once
#include <string>
#include <vector>

#include "experiments/results_store.h"

namespace fl {

struct ResultsTable {
  std::vector<std::string> columns;
  std::vector<std::vector<Json>> rows;  // null = no value
};

// The cells matching every `where` ("key=value" or "key!=value"; numbers compare as numbers),
// with `columns` (empty: variant, the config keys that vary between the selected cells of one
// variant, and the main metrics). fl::Error naming the flag for malformed filters or unknown columns.
ResultsTable select_results(const std::vector<CellRow>& cells, const std::vector<std::string>& where,
                            const std::vector<std::string>& columns);

// One column's value in one cell (null = no value), as select_results would show it; `cells`
// tells which config keys exist (any cell's task may define the key). fl::Error for an unknown column.
Json cell_value(const CellRow& cell, const std::string& column, const std::vector<CellRow>& cells);

std::string render_results(const ResultsTable& table);  // aligned text, numbers rounded for reading
std::string results_csv(const ResultsTable& table);     // RFC 4180, full precision, header row

// "12 cells: 10 done, 1 failed, 0 running, 1 queued"
std::string status_line(const std::vector<CellRow>& cells);

}  // namespace fl
