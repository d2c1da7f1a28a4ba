// The tamper-evidence chain of the event log: every logged event carries
// h = SHA-256(previous h of its dossier || the event's bytes as logged); the
// first event of a dossier chains from the empty string.
#ifndef HOSO_ENGINE_RUNTIME_CHAIN_HASH_H_
#define HOSO_ENGINE_RUNTIME_CHAIN_HASH_H_

#include <string>
#include <string_view>

namespace hoso::runtime {

// 32 raw bytes.
std::string ChainHash(std::string_view previous, std::string_view bytes);

// The same without allocating, for loops over many events.
// Not thread-safe; one per thread.
class ChainHasher {
 public:
  ChainHasher();
  ~ChainHasher();
  ChainHasher(const ChainHasher&) = delete;
  ChainHasher& operator=(const ChainHasher&) = delete;
  // Writes the 32-byte hash of previous || bytes into *out.
  void Chain(std::string_view previous, std::string_view bytes, std::string* out);

 private:
  struct Context;
  Context* context_;
};
std::string ToHex(std::string_view bytes);

// SHA-256 of data given in pieces (a record too long to hold at once).
// Not thread-safe; one per thread.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view bytes);
  // The 32-byte digest of everything given since construction or the last Finish.
  std::string Finish();

 private:
  void* context_;  // EVP_MD_CTX
};

}  // namespace hoso::runtime

#endif  // HOSO_ENGINE_RUNTIME_CHAIN_HASH_H_
