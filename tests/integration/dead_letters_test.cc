// Issue 8, defect 6: a dead letter lets the operator recover the exact input.
// Records over the codec's limit are kept whole up to --dead-letter-max-bytes
// (beyond it: their head, true size and SHA-256), bytes that are not UTF-8
// are kept in base64, and every dead letter states the true size. Blank
// lines are counted in the summary (defect 7).
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/testing/cli_runner.h"

namespace hoso {
namespace {

using testing::RunHoso;
using testing::TempDir;

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string DecodeBase64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

TEST(DeadLettersTest, EveryRejectedRecordIsRecoverableExactly) {
  TempDir dir;
  const std::string valid =
      R"({"event_id":"v1","dossier_id":"V","type":"received","occurred_at":"2019-06-03T09:00:00+07:00","agency_id":"phuong-bach-khoa","procedure_id":"ward-xac-nhan-tinh-trang-hon-nhan","channel":"direct"})";
  // 100 KB: over the 64 KiB limit, within the read buffer and the DL limit.
  const std::string medium = "{\"pad\":\"" + std::string(100000, 'm') + "\"}";
  // 10 MB: longer than the 8 MiB read buffer and the 1 MiB DL limit.
  std::string huge = "{\"pad\":\"" + std::string(10 * 1000 * 1000, 'h') + "\"}";
  // Not UTF-8 (a Latin-1 byte, a lone continuation byte).
  const std::string latin1 =
      std::string("{\"event_id\":\"caf") + '\xE9' + "\",\"x\":" + '\x80' + "}";
  testing::WriteFile(dir.File("events.jsonl"),
                     valid + "\n\n   \n" + medium + "\n" + huge + "\n" + latin1 + "\n\n");
  const std::string db = dir.File("db");
  auto ingest =
      RunHoso({"ingest", "--events", dir.File("events.jsonl"), "--db", db, "--format", "json"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto summary = nlohmann::json::parse(ingest.out);
  EXPECT_EQ(summary["applied"], 1);
  EXPECT_EQ(summary["rejected"], 3);
  EXPECT_EQ(summary["blank_lines_skipped"], 3);

  std::istringstream lines(testing::ReadFile(db + ".dead-letter.jsonl"));
  std::vector<nlohmann::json> letters;
  for (std::string line; std::getline(lines, line);) letters.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(letters.size(), 3u);

  // The 100 KB record: whole, its true size stated.
  EXPECT_EQ(letters[0]["reason"], "too_large");
  EXPECT_EQ(letters[0]["size"], medium.size());
  EXPECT_EQ(letters[0]["record"], medium);
  EXPECT_FALSE(letters[0].contains("truncated"));
  EXPECT_NE(letters[0]["message"].get<std::string>().find(std::to_string(medium.size())),
            std::string::npos);

  // The 10 MB record: its head, true size and SHA-256 of all of it.
  EXPECT_EQ(letters[1]["reason"], "too_large");
  EXPECT_EQ(letters[1]["size"], huge.size());
  EXPECT_NE(
      letters[1]["message"].get<std::string>().find("record is " + std::to_string(huge.size())),
      std::string::npos)
      << letters[1]["message"];
  EXPECT_EQ(letters[1]["truncated"], true);
  EXPECT_EQ(letters[1]["sha256"], Sha256Hex(huge));
  const std::string head = letters[1]["record"];
  EXPECT_EQ(head.size(), size_t{1} << 20);
  EXPECT_EQ(huge.compare(0, head.size(), head), 0);
  EXPECT_EQ(letters[1]["offset"], valid.size() + 1 + 1 + 4 + medium.size() + 1);

  // Not UTF-8: base64 of the exact bytes.
  EXPECT_EQ(letters[2]["reason"], "invalid_json");
  EXPECT_FALSE(letters[2].contains("record"));
  EXPECT_EQ(DecodeBase64(letters[2]["record_base64"]), latin1);
  EXPECT_EQ(letters[2]["size"], latin1.size());
}

TEST(DeadLettersTest, TheKeptSizeIsASetting) {
  TempDir dir;
  const std::string medium = "{\"pad\":\"" + std::string(100000, 'm') + "\"}";
  testing::WriteFile(dir.File("events.jsonl"), medium + "\n");
  const std::string db = dir.File("db");
  auto ingest = RunHoso({"ingest", "--events", dir.File("events.jsonl"), "--db", db,
                         "--dead-letter-max-bytes", "70000"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  auto letter = nlohmann::json::parse(testing::ReadFile(db + ".dead-letter.jsonl"));
  EXPECT_EQ(letter["size"], medium.size());
  EXPECT_EQ(letter["truncated"], true);
  EXPECT_EQ(letter["record"].get<std::string>().size(), 70000u);
  EXPECT_EQ(letter["sha256"], Sha256Hex(medium));
}

}  // namespace
}  // namespace hoso
