// What this process has used so far, as the benchmarks report it: CPU time
// of every thread, and the peak resident set.
//
// Thread-safety: every function may be called from any thread.
#ifndef HOSO_TOOLS_HOSO_PROCESS_USAGE_H_
#define HOSO_TOOLS_HOSO_PROCESS_USAGE_H_

#include <cstdint>

namespace hoso::tools {

// CPU time of the whole process so far (every thread, user and system), in
// seconds; 0 when the kernel does not answer.
double ProcessCpuSeconds();

// Peak resident set size of the process so far, in KiB; 0 when the kernel
// does not answer.
int64_t PeakRssKib();

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_PROCESS_USAGE_H_
