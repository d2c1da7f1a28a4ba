#include "connectors/file/whole_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hoso::connectors {

core::Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Status::NotFound("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return core::Status::IOError("cannot read " + path);
  return text.str();
}

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
