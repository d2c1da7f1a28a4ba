// The version of simdjson the codec parses with, and the implementation
// simdjson chose for this CPU at run time (e.g. "haswell", "westmere").
#ifndef HOSO_SCHEMAS_CODEC_LIBRARY_VERSION_H_
#define HOSO_SCHEMAS_CODEC_LIBRARY_VERSION_H_

#include <string>

namespace hoso::codec {

// E.g. "3.0.1". simdjson's shared library exports no version function: this
// is the version of its headers, which its soname (libsimdjson14) pins.
std::string SimdjsonVersion();
// E.g. "haswell": the kernel simdjson selected for this CPU.
std::string SimdjsonImplementation();

}  // namespace hoso::codec

#endif  // HOSO_SCHEMAS_CODEC_LIBRARY_VERSION_H_
