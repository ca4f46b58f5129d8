//===- Json.h - A minimal JSON reader for apex4 manifests -------*- C++ -*-===//
//
// apex4 runtime. A small, dependency-free JSON reader: enough for the
// manifests written by apex4-compile (objects, arrays, strings, numbers,
// booleans, null). Numbers keep their integer value exactly when the text has
// no fraction or exponent.
//
//===----------------------------------------------------------------------===//
#ifndef APEX4RT_JSON_H
#define APEX4RT_JSON_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace apex4rt {

class JsonValue {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  JsonValue() = default;

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isNumber() const { return kind_ == Kind::Number; }
  bool isInteger() const { return kind_ == Kind::Number && isInt_; }
  bool isString() const { return kind_ == Kind::String; }
  bool isArray() const { return kind_ == Kind::Array; }
  bool isObject() const { return kind_ == Kind::Object; }

  bool asBool() const { return bool_; }
  double asDouble() const { return number_; }
  int64_t asInt() const { return isInt_ ? int_ : static_cast<int64_t>(number_); }
  const std::string &asString() const { return string_; }
  const std::vector<JsonValue> &items() const { return array_; }
  const std::vector<std::pair<std::string, JsonValue>> &members() const {
    return object_;
  }
  size_t size() const {
    return kind_ == Kind::Array ? array_.size() : object_.size();
  }
  const JsonValue &operator[](size_t i) const { return array_.at(i); }

  /// Member lookup; returns nullptr when absent or when this is no object.
  const JsonValue *find(const std::string &key) const;
  /// Convenience accessors with a default for absent members.
  int64_t getInt(const std::string &key, int64_t fallback) const;
  std::string getString(const std::string &key,
                        const std::string &fallback) const;

  /// Parses `text`; on failure returns false and sets `error` (with offset).
  static bool parse(const std::string &text, JsonValue &out,
                    std::string &error);

private:
  friend class JsonParser;
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  bool isInt_ = false;
  double number_ = 0.0;
  int64_t int_ = 0;
  std::string string_;
  std::vector<JsonValue> array_;
  std::vector<std::pair<std::string, JsonValue>> object_;
};

} // namespace apex4rt

#endif // APEX4RT_JSON_H
