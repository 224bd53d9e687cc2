#include "tasks/arithmetic.h"

#include <algorithm>
#include <stdexcept>

#include "core/error.h"
#include "tasks/feng_format.h"

namespace fl {

namespace {

using A = ArithmeticTask;
// Most operators, for training and for evaluation sizes: CoT grows as n², and the
// expression tree is walked recursively.
constexpr int64_t kMaxOperators = 1000;

std::vector<std::string> arithmetic_vocab(int64_t p) {
  std::vector<std::string> names = {"<pad>", "<cls>", "<eos>", "+", "-", "*", "/", "(", ")", "="};
  for (int64_t k = 0; k < p; ++k) names.push_back(std::to_string(k));
  return names;
}

bool is_prime(int64_t p) {
  if (p < 2) return false;
  for (int64_t d = 2; d * d <= p; ++d)
    if (p % d == 0) return false;
  return true;
}

bool is_number(int32_t token) { return token >= A::kFirstNumber; }
bool is_additive(int32_t op) { return op == A::kAdd || op == A::kSub; }
int precedence(int32_t op) { return is_additive(op) ? 1 : 2; }

// The expression as a tree: leaves are numbers (op = 0), inner nodes binary operations.
struct Node {
  int32_t op = 0;
  int64_t value = 0;
  int left = -1, right = -1;
};

// Standard-precedence, left-associative parse of a well-formed expression (ours, by construction).
class Tree {
 public:
  explicit Tree(const std::vector<int32_t>& tokens) : tokens_(tokens) { root = sum(); }
  std::vector<Node> nodes;
  int root;

  // The first operation in postfix order (both operands numbers), or -1 for a single number.
  int next_ready(int at) const {
    const Node& node = nodes[at];
    if (node.op == 0) return -1;
    if (nodes[node.left].op == 0 && nodes[node.right].op == 0) return at;
    const int left = next_ready(node.left);
    return left >= 0 ? left : next_ready(node.right);
  }

  // Only the brackets the structure needs: a child binding more loosely than its parent, or
  // as tightly on the right.
  void print(int at, std::vector<int32_t>& out) const {
    const Node& node = nodes[at];
    if (node.op == 0) {
      out.push_back(static_cast<int32_t>(A::kFirstNumber + node.value));
      return;
    }
    print_child(node.left, precedence(node.op) > precedence_of(node.left), out);
    out.push_back(node.op);
    print_child(node.right, precedence(node.op) >= precedence_of(node.right), out);
  }

 private:
  int precedence_of(int at) const { return nodes[at].op == 0 ? 3 : precedence(nodes[at].op); }
  void print_child(int at, bool bracket, std::vector<int32_t>& out) const {
    if (bracket) out.push_back(A::kOpen);
    print(at, out);
    if (bracket) out.push_back(A::kClose);
  }
  int add(int32_t op, int left, int right) {
    nodes.push_back({op, 0, left, right});
    return static_cast<int>(nodes.size()) - 1;
  }
  int sum() {
    int left = product();
    while (pos_ < tokens_.size() && is_additive(tokens_[pos_])) {
      const int32_t op = tokens_[pos_++];
      left = add(op, left, product());
    }
    return left;
  }
  int product() {
    int left = factor();
    while (pos_ < tokens_.size() && (tokens_[pos_] == A::kMul || tokens_[pos_] == A::kDiv)) {
      const int32_t op = tokens_[pos_++];
      left = add(op, left, factor());
    }
    return left;
  }
  int factor() {
    if (tokens_[pos_] == A::kOpen) {
      ++pos_;
      const int inner = sum();
      ++pos_;  // ")"
      return inner;
    }
    nodes.push_back({0, tokens_[pos_++] - A::kFirstNumber, -1, -1});
    return static_cast<int>(nodes.size()) - 1;
  }
  const std::vector<int32_t>& tokens_;
  size_t pos_ = 0;
};

}  // namespace

ArithmeticTask::ArithmeticTask(int64_t min_n, int64_t n, const std::string& format, int64_t modulus)
    : min_n_(min_n), n_(n), cot_(format == "cot"), p_(modulus), vocab_(arithmetic_vocab(modulus)) {
  require(format == "cot" || format == "direct", "task.format = '" + format + "' must be 'cot' or 'direct'");
  require(is_prime(modulus), "task.modulus = " + std::to_string(modulus) + " is not a prime");
  require(min_n >= 1, "task.min_n = " + std::to_string(min_n) + " is below 1 (at least one operator)");
  require(min_n <= n, "task.min_n = " + std::to_string(min_n) + " is larger than task.n = " + std::to_string(n));
}

std::vector<ParamSpec> ArithmeticTask::specs() {
  return {
      {"task.n", Kind::Int, 4, "number of operators n (the largest size)", 1, kMaxOperators},
      {"task.min_n", Kind::Int, 0, "fewest operators: sizes uniform in [min_n, n]; 0 = n", 0, kMaxOperators},
      {"task.format", Kind::String, "cot", "cot: one evaluation per step, steps joined by '='; direct: the answer only",
       {}, {}, {"cot", "direct"}},
      {"task.modulus", Kind::Int, 11, "prime p: numbers and arithmetic in GF(p) (Feng: 11)", 2, 10007},
  };
}

std::unique_ptr<Task> ArithmeticTask::create(const ParamValues& p) {
  const int64_t n = p.get_int("task.n");
  const int64_t min_n = p.get_int("task.min_n") == 0 ? n : p.get_int("task.min_n");
  return std::make_unique<ArithmeticTask>(min_n, n, p.get_string("task.format"), p.get_int("task.modulus"));
}

std::vector<int64_t> ArithmeticTask::default_eval_sizes() const {
  std::vector<int64_t> sizes;
  for (int64_t n = min_n_; n <= n_; ++n) sizes.push_back(n);
  return sizes;
}

int64_t ArithmeticTask::apply(int32_t op, int64_t a, int64_t b) const {
  switch (op) {
    case kAdd: return (a + b) % p_;
    case kSub: return (a - b + p_) % p_;
    case kMul: return a * b % p_;
    default: {
      if (b == 0) throw std::logic_error("arithmetic: division by 0");  // excluded by construction
      int64_t inverse = 1;  // b^(p-2) = b^-1 (Fermat)
      for (int64_t e = p_ - 2, base = b; e > 0; e >>= 1, base = base * base % p_)
        if (e & 1) inverse = inverse * base % p_;
      return a * inverse % p_;
    }
  }
}

// Feng's get / iter / get_expr.
std::vector<int32_t> ArithmeticTask::draw_expression(Rng& rng, int64_t n) const {
  auto number = [&](int64_t v) { return static_cast<int32_t>(kFirstNumber + v); };
  std::vector<int32_t> expr = {number(rng.uniform_int(0, p_ - 1))};
  for (int64_t step = 0; step < n; ++step) {
    std::vector<size_t> numbers;
    for (size_t t = 0; t < expr.size(); ++t)
      if (is_number(expr[t])) numbers.push_back(t);
    const size_t item = numbers[rng.uniform_int(0, static_cast<int64_t>(numbers.size()) - 1)];
    const int64_t x = expr[item] - kFirstNumber;
    int64_t a, b;
    int32_t op;
    for (;;) {  // a op b = x
      a = rng.uniform_int(0, p_ - 1);
      op = static_cast<int32_t>(kAdd + rng.uniform_int(0, 3));
      if (op == kAdd) {
        b = apply(kSub, x, a);
      } else if (op == kSub) {
        b = apply(kSub, a, x);
      } else if (op == kMul) {
        if (a == 0 && x != 0) continue;
        b = a == 0 ? rng.uniform_int(0, p_ - 1) : apply(kDiv, x, a);
      } else {
        if (x == 0 && a == 0) {
          b = rng.uniform_int(0, p_ - 1);
          if (b == 0) continue;
        } else if (x == 0 || a == 0) {
          continue;
        } else {
          b = apply(kDiv, a, x);
        }
      }
      break;
    }
    const int32_t prev = item > 0 ? expr[item - 1] : kPad, next = item + 1 < expr.size() ? expr[item + 1] : kPad;
    bool bracket = false;
    if (prev == kDiv)
      bracket = true;
    else if (prev == kMul || next == kMul || next == kDiv)
      bracket = is_additive(op);
    else if (prev == kSub)
      bracket = is_additive(op);
    std::vector<int32_t> piece = {number(a), op, number(b)};
    if (bracket) piece = {kOpen, number(a), op, number(b), kClose};
    expr.erase(expr.begin() + static_cast<std::ptrdiff_t>(item));
    expr.insert(expr.begin() + static_cast<std::ptrdiff_t>(item), piece.begin(), piece.end());
  }
  return expr;
}

Example ArithmeticTask::sample(Rng& rng) const { return sample_at(rng, rng.uniform_int(min_n_, n_)); }

// At n operators: the drawn expression has 2n + 1 symbols and at most n - 1 bracketed pieces
// (the first step never brackets), so the prompt with "=" has at most 4n tokens. A step with m
// operators left prints 2m + 1 symbols and at most m - 1 bracket pairs (one per non-root
// operation): 4m - 1 tokens, 1 for the final number. A right-nested chain such as
// a - (b - (c - d)) reaches every bound at once, and stays one as it is reduced. CoT:
// 4n + Σ_{m=1}^{n-1} (4m - 1) + 1 + (n - 1) "=" + <eos> = 2n² + 2n + 2; direct: 4n + 2.
int64_t ArithmeticTask::longest_example() const { return cot_ ? 2 * n_ * n_ + 2 * n_ + 2 : 4 * n_ + 2; }

Example ArithmeticTask::sample_at(Rng& rng, int64_t n) const {
  require(n >= 1 && n <= kMaxOperators, "arithmetic: size " + std::to_string(n) + " is outside 1.." +
                                            std::to_string(kMaxOperators) + " operators");
  Example ex;
  ex.size = n;
  ex.tokens = draw_expression(rng, n);
  ex.tokens.push_back(kEquals);
  ex.prompt_len = static_cast<int64_t>(ex.tokens.size());
  Tree tree(ex.tokens);
  for (int at = tree.next_ready(tree.root); at >= 0; at = tree.next_ready(tree.root)) {
    Node& node = tree.nodes[at];
    node.value = apply(node.op, tree.nodes[node.left].value, tree.nodes[node.right].value);
    node.op = 0;
    if (!cot_ && tree.nodes[tree.root].op != 0) continue;  // direct: only the final number
    if (static_cast<int64_t>(ex.tokens.size()) > ex.prompt_len) ex.tokens.push_back(kEquals);
    tree.print(tree.root, ex.tokens);
  }
  feng::finish_example(ex, kEos);
  return ex;
}

Verdict ArithmeticTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  return feng::verify(*this, example, generated, kEquals, kEos);
}

std::string ArithmeticTask::describe() const {
  const std::string sizes = feng::size_range(min_n_, n_);
  return std::string("arithmetic (") + (cot_ ? "cot" : "direct") + "): " + sizes + " operators + - * / over GF(" +
         std::to_string(p_) + ")" +
         (cot_ ? ", one evaluation per step joined by '='" : ", '= ans <eos>'");
}

}  // namespace fl
