// Ids that must fit a length bound of the contract (at most 128 characters,
// docs/events.md) when hoso builds one from another id: a derived overdue
// event's id from its dossier's, a ward alert's key from the agency's.
#ifndef HOSO_ENGINE_CORE_BOUNDED_ID_H_
#define HOSO_ENGINE_CORE_BOUNDED_ID_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace hoso::core {

// The contract's bound of an id, in characters (schemas/envelope.schema.json
// $defs/id).
inline constexpr size_t kMaxIdChars = 128;

// Characters of UTF-8 text (bytes that do not continue a sequence).
size_t Utf8Length(std::string_view text);

// Appends `id` to *out if it holds at most `max_chars` characters (UTF-8);
// else its first `max_chars` − 17 characters, "~" and the 16 hex digits of
// the 64-bit FNV-1a digest of the whole id: at most `max_chars` characters,
// and distinct for distinct ids (but for a digest collision). `max_chars`
// must exceed 17.
void AppendBoundedId(std::string* out, std::string_view id, size_t max_chars);

}  // namespace hoso::core

#endif  // HOSO_ENGINE_CORE_BOUNDED_ID_H_
