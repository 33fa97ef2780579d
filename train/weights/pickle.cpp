#include "train/weights/pickle.h"

#include <set>

#include <algorithm>
#include <cstring>
#include <map>

namespace d2l::train::weights {

PyValue::~PyValue() {
  std::vector<std::shared_ptr<std::vector<PyValue>>> lists;
  std::vector<std::shared_ptr<std::vector<std::pair<PyValue, PyValue>>>> dicts;
  const auto take = [&](PyValue& v) {  // the containers only v holds, emptied of their children below
    if (v.items && v.items.use_count() == 1) lists.push_back(std::move(v.items));
    if (v.entries && v.entries.use_count() == 1) dicts.push_back(std::move(v.entries));
  };
  take(*this);
  while (!lists.empty() || !dicts.empty()) {
    if (!lists.empty()) {
      const auto list = std::move(lists.back());
      lists.pop_back();
      for (auto& child : *list) take(child);
    } else {
      const auto dict = std::move(dicts.back());
      dicts.pop_back();
      for (auto& [key, value] : *dict) {
        take(key);
        take(value);
      }
    }
  }
}

const char* kind_name(PyValue::Kind kind) {
  switch (kind) {
    case PyValue::Kind::none: return "None";
    case PyValue::Kind::boolean: return "bool";
    case PyValue::Kind::integer: return "int";
    case PyValue::Kind::real: return "float";
    case PyValue::Kind::string: return "str";
    case PyValue::Kind::tuple: return "tuple";
    case PyValue::Kind::list: return "list";
    case PyValue::Kind::dict: return "dict";
    case PyValue::Kind::tensor: return "tensor";
    case PyValue::Kind::global: return "global";
  }
  return "?";
}

namespace {

using Kind = PyValue::Kind;

// torch.FloatStorage and friends, the storage types that torch.save names.
const std::map<std::string, torch::ScalarType>& storage_types() {
  static const std::map<std::string, torch::ScalarType> types = {
      {"torch.FloatStorage", torch::kFloat32}, {"torch.DoubleStorage", torch::kFloat64},
      {"torch.HalfStorage", torch::kFloat16},  {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kInt64},    {"torch.IntStorage", torch::kInt32},
      {"torch.ShortStorage", torch::kInt16},   {"torch.CharStorage", torch::kInt8},
      {"torch.ByteStorage", torch::kUInt8},    {"torch.BoolStorage", torch::kBool}};
  return types;
}

bool allowed_global(const std::string& name) {
  return name == "collections.OrderedDict" || name == "torch._utils._rebuild_tensor_v2" ||
         name == "torch._utils._rebuild_parameter" || name == "torch.jit._pickle.restore_type_tag" ||
         storage_types().count(name) > 0;
}

class Unpickler {
 public:
  Unpickler(const uint8_t* data, size_t size, size_t offset, const StorageLoader& load_storage)
      : data_(data), size_(size), pos_(offset), load_storage_(load_storage) {}

  PyValue run() {
    while (true) {
      op_start_ = pos_;
      const uint8_t op = read_u8();
      if (op == '.') {  // STOP
        if (stack_.size() != 1) fail("pickle ends with " + std::to_string(stack_.size()) + " values on its stack");
        return pop();
      }
      step(op);
    }
  }
  size_t position() const { return pos_; }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(what + " (byte offset " + std::to_string(op_start_) + ")");
  }

  void need(size_t n) const {
    if (n > size_ - pos_) fail("truncated: needs " + std::to_string(n) + " more bytes, " +
                               std::to_string(size_ - pos_) + " left");
  }
  uint8_t read_u8() {
    need(1);
    return data_[pos_++];
  }
  uint64_t read_le(size_t n) {
    need(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }
  std::string read_bytes(uint64_t n) {
    if (n > size_ - pos_) fail("truncated: a string of " + std::to_string(n) + " bytes runs past the end");
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  std::string read_line() {
    const auto* begin = data_ + pos_;
    const auto* end = static_cast<const uint8_t*>(std::memchr(begin, '\n', size_ - pos_));
    if (!end) fail("truncated: a GLOBAL name has no end of line");
    pos_ += static_cast<size_t>(end - begin) + 1;
    return std::string(reinterpret_cast<const char*>(begin), static_cast<size_t>(end - begin));
  }

  void push(PyValue v) {
    if (stack_.size() > kMaxStack) fail("pickle stack too deep");
    stack_.push_back(std::move(v));
  }
  PyValue pop() {
    if (stack_.size() <= mark_floor()) fail("pickle pops from an empty stack");
    auto v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  PyValue& top() {
    if (stack_.size() <= mark_floor()) fail("pickle reads an empty stack");
    return stack_.back();
  }
  size_t mark_floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<PyValue> pop_to_mark() {
    if (marks_.empty()) fail("pickle uses a MARK it never set");
    std::vector<PyValue> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back())),
                               std::make_move_iterator(stack_.end()));
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  PyValue make_sequence(Kind kind, std::vector<PyValue> items) {
    auto v = PyValue::of(kind);
    for (const auto& item : items) nest(v, item);
    v.items = std::make_shared<std::vector<PyValue>>(std::move(items));
    return v;
  }
  // State dicts nest a few levels; deeper pickles are refused before they cost time or stack.
  static constexpr int kMaxDepth = 100;
  void nest(PyValue& container, const PyValue& child) {
    container.depth = std::max(container.depth, child.depth + 1);
    if (container.depth > kMaxDepth) fail("containers nested more than " + std::to_string(kMaxDepth) + " deep");
  }
  PyValue make_int(int64_t i) {
    auto v = PyValue::of(Kind::integer);
    v.integer = i;
    return v;
  }
  PyValue make_string(std::string s) {
    auto v = PyValue::of(Kind::string);
    v.string = std::move(s);
    return v;
  }
  void memo_put(uint64_t index) {
    if (index > kMaxMemo) fail("memo index " + std::to_string(index) + " out of range");
    memo_[index] = top();  // containers share their contents, as Python objects do
  }
  PyValue memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo index " + std::to_string(index) + " was never stored");
    return it->second;
  }
  static constexpr size_t kMaxNestedContainers = 10000;
  // A container that would (through the memo) come to hold itself: Python allows it, state dicts
  // never need it, and it would never be freed.
  void refuse_cycle(const PyValue& container, const PyValue& value) {
    const void* target = container.items ? static_cast<const void*>(container.items.get()) : container.entries.get();
    std::vector<const PyValue*> pending{&value};
    std::set<const void*> seen;
    while (!pending.empty()) {
      // A state dict's values hold a few containers at most; the cap keeps a hostile nesting cheap.
      if (seen.size() > kMaxNestedContainers) fail("a value nesting more than " + std::to_string(kMaxNestedContainers) + " containers");
      const PyValue* v = pending.back();
      pending.pop_back();
      const void* inner = v->items ? static_cast<const void*>(v->items.get()) : v->entries.get();
      if (!inner || !seen.insert(inner).second) continue;
      if (inner == target) fail("a container that holds itself");
      if (v->items)
        for (const auto& child : *v->items) pending.push_back(&child);
      if (v->entries)
        for (const auto& [key, child] : *v->entries) {
          pending.push_back(&key);
          pending.push_back(&child);
        }
    }
  }
  void set_items(PyValue& dict, std::vector<PyValue>& kv) {
    if (dict.kind != Kind::dict) fail(std::string("SETITEMS on a ") + kind_name(dict.kind));
    if (kv.size() % 2) fail("SETITEMS with an odd number of values");
    for (const auto& v : kv) {
      refuse_cycle(dict, v);
      nest(dict, v);
    }
    for (size_t i = 0; i < kv.size(); i += 2) dict.entries->emplace_back(std::move(kv[i]), std::move(kv[i + 1]));
  }
  void global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    if (!allowed_global(full))
      fail("unsupported global '" + full +
           "': only tensors and dicts of tensors are read (torch.save of a state_dict); a whole pickled "
           "model or other objects are never executed");
    auto v = PyValue::of(Kind::global);
    v.string = full;
    push(std::move(v));
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const auto version = read_u8();
        if (version < 2 || version > 5) fail("unsupported pickle protocol " + std::to_string(version));
        return;
      }
      case 0x95: read_le(8); return;  // FRAME: a length hint only
      case '}': {
        auto v = PyValue::of(Kind::dict);
        v.entries = std::make_shared<std::vector<std::pair<PyValue, PyValue>>>();
        return push(std::move(v));
      }
      case ']': return push(make_sequence(Kind::list, {}));
      case ')': return push(make_sequence(Kind::tuple, {}));
      case '(':
        if (marks_.size() > kMaxStack) fail("too many MARKs");
        marks_.push_back(stack_.size());
        return;
      case 'q': return memo_put(read_u8());
      case 'r': return memo_put(read_le(4));
      case 0x94: return memo_put(memo_.size());  // MEMOIZE
      case 'h': return push(memo_get(read_u8()));
      case 'j': return push(memo_get(read_le(4)));
      case 'X': return push(make_string(read_bytes(read_le(4))));
      case 0x8c: return push(make_string(read_bytes(read_u8())));
      case 0x8d: return push(make_string(read_bytes(read_le(8))));
      case 'U': return push(make_string(read_bytes(read_u8())));  // SHORT_BINSTRING (Python 2)
      case 'T': return push(make_string(read_bytes(read_le(4))));  // BINSTRING (Python 2)
      case 'c': {
        const auto module = read_line();
        return global(module, read_line());
      }
      case 0x93: {  // STACK_GLOBAL
        auto name = pop(), module = pop();
        if (name.kind != Kind::string || module.kind != Kind::string) fail("STACK_GLOBAL without strings");
        return global(module.string, name.string);
      }
      case 'N': return push(PyValue::of(Kind::none));
      case 0x88:
      case 0x89: {
        auto v = PyValue::of(Kind::boolean);
        v.boolean = op == 0x88;
        return push(std::move(v));
      }
      case 'J': return push(make_int(static_cast<int32_t>(read_le(4))));
      case 'K': return push(make_int(read_u8()));
      case 'M': return push(make_int(static_cast<int64_t>(read_le(2))));
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        const auto n = read_u8();
        if (n > 8) fail("integer of " + std::to_string(n) + " bytes is too large");
        uint64_t v = read_le(n);
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
        return push(make_int(static_cast<int64_t>(v)));
      }
      case 'G': {  // BINFLOAT: big-endian double
        need(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | data_[pos_++];
        auto v = PyValue::of(Kind::real);
        std::memcpy(&v.real, &bits, sizeof bits);
        return push(std::move(v));
      }
      case 't': return push(make_sequence(Kind::tuple, pop_to_mark()));
      case 0x85:
      case 0x86:
      case 0x87: {
        std::vector<PyValue> items(op - 0x84);
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        return push(make_sequence(Kind::tuple, std::move(items)));
      }
      case 'l': return push(make_sequence(Kind::list, pop_to_mark()));
      case 'a': {
        auto v = pop();
        auto& list = top();
        if (list.kind != Kind::list) fail(std::string("APPEND to a ") + kind_name(list.kind));
        refuse_cycle(list, v);
        nest(list, v);
        list.items->push_back(std::move(v));
        return;
      }
      case 'e': {
        auto items = pop_to_mark();
        auto& list = top();
        if (list.kind != Kind::list) fail(std::string("APPENDS to a ") + kind_name(list.kind));
        for (const auto& v : items) {
          refuse_cycle(list, v);
          nest(list, v);
        }
        for (auto& v : items) list.items->push_back(std::move(v));
        return;
      }
      case 's': {
        std::vector<PyValue> kv(2);
        kv[1] = pop();
        kv[0] = pop();
        return set_items(top(), kv);
      }
      case 'u': {
        auto kv = pop_to_mark();
        return set_items(top(), kv);
      }
      case 'b': {  // BUILD: OrderedDict's attributes (state_dict()._metadata); nothing else
        auto state = pop();
        if (top().kind != Kind::dict) fail(std::string("BUILD on a ") + kind_name(top().kind));
        if (state.kind != Kind::dict && state.kind != Kind::none) fail("BUILD with a non-dict state");
        return;
      }
      case 'Q': return push(persistent_load(pop()));
      case 'R': {
        auto args = pop();
        auto callable = pop();
        return push(reduce(callable, args));
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unsupported pickle opcode ") + hex);
      }
    }
  }

  const std::vector<PyValue>& tuple_args(const PyValue& args, size_t min, size_t max, const char* what) {
    if (args.kind != Kind::tuple || args.items->size() < min || args.items->size() > max)
      fail(std::string("bad arguments to ") + what);
    return *args.items;
  }

  PyValue persistent_load(const PyValue& pid) {
    // ('storage', storage type, key, location, numel[, view metadata])
    const auto& t = tuple_args(pid, 5, 6, "a persistent id");
    if (t[0].kind != Kind::string || t[0].string != "storage" || t[1].kind != Kind::global ||
        !storage_types().count(t[1].string) || t[2].kind != Kind::string || t[4].kind != Kind::integer)
      fail("unsupported persistent id (expected a torch storage)");
    if (t.size() == 6 && t[5].kind != Kind::none) fail("storage views are not supported");
    if (t[4].integer < 0) fail("negative storage size");
    auto v = PyValue::of(Kind::tensor);
    v.string = "storage";
    v.tensor = load_storage_(storage_types().at(t[1].string), t[2].string, t[4].integer);
    return v;
  }

  std::vector<int64_t> int_tuple(const PyValue& v, const char* what) {
    if (v.kind != Kind::tuple) fail(std::string(what) + " is not a tuple");
    std::vector<int64_t> out;
    for (const auto& item : *v.items) {
      if (item.kind != Kind::integer || item.integer < 0) fail(std::string(what) + " holds a negative or non-integer value");
      out.push_back(item.integer);
    }
    return out;
  }

  PyValue reduce(const PyValue& callable, const PyValue& args) {
    if (callable.kind != Kind::global) fail("REDUCE on a non-callable");
    const auto& name = callable.string;
    if (name == "collections.OrderedDict") {
      tuple_args(args, 0, 0, "OrderedDict");
      auto v = PyValue::of(Kind::dict);
      v.entries = std::make_shared<std::vector<std::pair<PyValue, PyValue>>>();
      return v;
    }
    if (name == "torch.jit._pickle.restore_type_tag") {  // (value, "Dict[str, Tensor]"): LibTorch's type hint
      const auto& a = tuple_args(args, 2, 2, "restore_type_tag");
      return a[0];
    }
    if (name == "torch._utils._rebuild_parameter") {
      const auto& a = tuple_args(args, 3, 3, "_rebuild_parameter");
      if (a[0].kind != Kind::tensor) fail("_rebuild_parameter without a tensor");
      return a[0];
    }
    if (name == "torch._utils._rebuild_tensor_v2") {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const auto& a = tuple_args(args, 6, 7, "_rebuild_tensor_v2");
      if (a[0].kind != Kind::tensor || a[0].string != "storage" || a[1].kind != Kind::integer)
        fail("_rebuild_tensor_v2 without a storage and an offset");
      const auto storage = a[0].tensor;
      const auto sizes = int_tuple(a[2], "tensor size");
      const auto strides = int_tuple(a[3], "tensor stride");
      if (sizes.size() != strides.size()) fail("tensor size and stride differ in length");
      // The last element the view touches must lie inside the storage (no reads past it).
      int64_t numel = 1, last = a[1].integer;
      for (size_t i = 0; i < sizes.size(); ++i) {
        numel *= sizes[i];
        last += (sizes[i] - 1) * strides[i];
      }
      if (a[1].integer < 0 || (numel > 0 && last >= storage.numel()))
        fail("tensor of " + std::to_string(numel) + " elements at offset " + std::to_string(a[1].integer) +
             " runs past its storage of " + std::to_string(storage.numel()) + " elements");
      auto v = PyValue::of(Kind::tensor);
      v.tensor = numel == 0 ? torch::empty(sizes, storage.options()) : storage.as_strided(sizes, strides, a[1].integer);
      return v;
    }
    fail("'" + name + "' cannot be called");
  }

  static constexpr size_t kMaxStack = 1 << 20;
  static constexpr uint64_t kMaxMemo = 1 << 24;

  const uint8_t* data_;
  size_t size_;
  size_t pos_;
  size_t op_start_ = 0;
  const StorageLoader& load_storage_;
  std::vector<PyValue> stack_;
  std::vector<size_t> marks_;
  std::map<uint64_t, PyValue> memo_;
};

}  // namespace

PyValue unpickle(const uint8_t* data, size_t size, size_t* offset, const StorageLoader& load_storage) {
  Unpickler unpickler(data, size, *offset, load_storage);
  auto value = unpickler.run();
  *offset = unpickler.position();
  return value;
}

}  // namespace d2l::train::weights
