// codec_check FILE...: decodes each file as one event record and prints
// "<file>\tvalid" or "<file>\t<reject code>\t<message>", one line per file.
// Used by check_schema_agreement.py to compare the codec with the JSON Schema
// files. Exit code 0 when every file was read (whatever the verdicts), 2 on
// bad usage or an unreadable file.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "engine/core/event.h"
#include "engine/core/rejection.h"
#include "schemas/codec/event_codec.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: codec_check FILE...\n";
    return 2;
  }
  hoso::codec::EventDecoder decoder;
  hoso::core::Event event;
  hoso::core::Rejection rejection;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << "codec_check: cannot read " << argv[i] << "\n";
      return 2;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (decoder.Decode(bytes, &event, &rejection)) {
      std::cout << argv[i] << "\tvalid\n";
    } else {
      std::cout << argv[i] << "\t" << hoso::core::RejectCodeName(rejection.code) << "\t"
                << rejection.message << "\n";
    }
  }
  return 0;
}
