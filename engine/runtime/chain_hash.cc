#include "engine/runtime/chain_hash.h"

// The chain hash runs once per logged event. OpenSSL 3's EVP interface
// allocates a provider context on every digest initialisation (measured with
// heaptrack: one allocation per event); the SHA-256 functions below use the
// same implementation (SHA-NI where the CPU has it) on a context on the
// stack. OpenSSL 3 marks them deprecated in favour of EVP, not unsafe.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

namespace hoso::runtime {

std::string ChainHash(std::string_view previous, std::string_view bytes) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, previous.data(), previous.size());
  EVP_DigestUpdate(ctx, bytes.data(), bytes.size());
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

struct ChainHasher::Context {};

ChainHasher::ChainHasher() : context_(nullptr) {}
ChainHasher::~ChainHasher() = default;

void ChainHasher::Chain(std::string_view previous, std::string_view bytes, std::string* out) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, previous.data(), previous.size());
  SHA256_Update(&ctx, bytes.data(), bytes.size());
  SHA256_Final(digest, &ctx);
  out->assign(reinterpret_cast<const char*>(digest), SHA256_DIGEST_LENGTH);
}

Sha256Stream::Sha256Stream() : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), EVP_sha256(), nullptr);
}
Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }
void Sha256Stream::Update(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), bytes.data(), bytes.size());
}
std::string Sha256Stream::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(context_);
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace hoso::runtime
