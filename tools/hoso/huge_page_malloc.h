// The commands that apply or move many events (serve, ingest, replay, demo,
// bench, broker, http) run with glibc's malloc asking for transparent huge
// pages: GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which the systemd unit also
// sets (docs/operations.md "Memory"). glibc reads its tunables only when a
// process starts, so such a command started without the setting executes
// itself again, once, with it added (the same process id, name, arguments
// and other variables). Queries (kpi, history, ...) do not: their start matters
// more than their heap.
//
// Why: on virtual machines where the first write to a 4 KB page is dear
// (BENCHMARKS.md "Huge pages") it halves the page faults of ingest and
// replay; `hoso bench kafka` ran 1.19x, `hoso replay` 1.14x and `hoso
// ingest` 1.16x as fast (medians of alternated runs). Executing again costs
// ~20 ms once.
#ifndef HOSO_TOOLS_HOSO_HUGE_PAGE_MALLOC_H_
#define HOSO_TOOLS_HOSO_HUGE_PAGE_MALLOC_H_

#include <optional>
#include <string>
#include <string_view>

namespace hoso::tools {

// The GLIBC_TUNABLES value to execute `command` with (`current`: the
// variable's value, nullptr when unset), or nullopt to run as it is: the
// command is not one of those above, or the variable already names
// glibc.malloc.hugetlb (the user's choice, 0 included, or the process
// executed again).
std::optional<std::string> HugePageTunables(std::string_view command, const char* current);

// Executes the process again with HugePageTunables when it says so. Returns
// when it does not, or when executing failed (the command then runs as it
// is). `argv` as main received it.
void ReexecWithHugePageMalloc(int argc, char** argv);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_HUGE_PAGE_MALLOC_H_
