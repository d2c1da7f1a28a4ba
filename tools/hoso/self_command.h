// How a user runs this very binary from a shell, for the commands hoso
// prints for the user to type next (`hoso demo`'s follow-ups): they must
// work as written, whether hoso was installed (/usr/bin/hoso) or run from a
// build directory.
#ifndef HOSO_TOOLS_HOSO_SELF_COMMAND_H_
#define HOSO_TOOLS_HOSO_SELF_COMMAND_H_

#include <string>

namespace hoso::tools {

// "hoso" when the first "hoso" on PATH is this executable
// (/proc/self/exe), else the executable's absolute path, shell-quoted.
std::string SelfCommand();

// `text` as one POSIX shell word: unchanged when it holds only safe
// characters ([A-Za-z0-9_./:=@%+,-]), else in single quotes.
std::string ShellQuote(const std::string& text);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_SELF_COMMAND_H_
