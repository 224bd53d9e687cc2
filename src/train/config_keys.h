// The documentation of every config key: `freelunch keys` (a text table) and `freelunch keys
// --markdown` (docs/CONFIG.md, which a test keeps equal to it).
#pragma once
#include <string>

namespace fl {

std::string keys_markdown();  // docs/CONFIG.md
std::string keys_table();     // key, task, type, default, range, meaning

}  // namespace fl
