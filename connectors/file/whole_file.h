// Small files read and written whole: the files hoso keeps beside a
// database (tracks, port files, instance ids) and the ones a user names
// (mapping files). WriteFileAtomically replaces a file whole or not at all.
#ifndef HOSO_CONNECTORS_FILE_WHOLE_FILE_H_
#define HOSO_CONNECTORS_FILE_WHOLE_FILE_H_

#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace hoso::connectors {

// The whole content of `path`: NotFound ("cannot open <path>") when it
// cannot be opened, IOError when reading it fails.
core::Result<std::string> ReadWholeFile(const std::string& path);

// Writes `text` to "<path>.tmp" and renames it to `path`: a reader, or a
// crash of this process, sees the old file or the new one, never half of
// it. Not fsynced: after a machine crash the file may be empty or missing,
// so its readers must refuse a file they cannot read whole. IOError naming
// the file.
core::Status WriteFileAtomically(const std::string& path, std::string_view text);

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_FILE_WHOLE_FILE_H_
