#include "connectors/file/atomic_file.h"

#include <filesystem>
#include <fstream>

namespace hoso::connectors {

core::Status WriteFileAtomically(const std::string& path, std::string_view text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) return core::Status::IOError("cannot write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return core::Status::IOError("cannot replace " + path + ": " + ec.message());
  return core::Status::Ok();
}

}  // namespace hoso::connectors
