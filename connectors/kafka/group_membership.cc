#include "connectors/kafka/group_membership.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "connectors/file/whole_file.h"

namespace hoso::connectors::kafka {
namespace {

namespace fs = std::filesystem;

bool IsInstanceId(const std::string& text) {
  if (text.size() != 21 || !text.starts_with("hoso-")) return false;
  for (size_t i = 5; i < text.size(); ++i) {
    const char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string NewInstanceId() {
  std::random_device random;
  const uint64_t bits = (static_cast<uint64_t>(random()) << 32) ^ random();
  char id[32];
  std::snprintf(id, sizeof id, "hoso-%016llx", static_cast<unsigned long long>(bits));
  return id;
}

}  // namespace

core::Result<std::string> LoadOrCreateInstanceId(const std::string& db_path) {
  const fs::path path = fs::path(db_path) / kInstanceIdFile;
  std::error_code error;
  if (fs::exists(path, error)) {
    std::ifstream in(path);
    std::string id;
    std::getline(in, id);
    if (!in && !in.eof()) {
      return core::Status::IOError("cannot read " + path.string());
    }
    if (!IsInstanceId(id)) {
      return core::Status::Corruption(path.string() + ": not an instance id ('" + id +
                                      "'); remove the file to get a new one");
    }
    return id;
  }
  // Written to a temporary name and renamed: a crash never leaves half an id.
  const std::string id = NewInstanceId();
  HOSO_RETURN_IF_ERROR(connectors::WriteFileAtomically(path.string(), id + "\n"));
  return id;
}

core::Result<GroupMembership> ApplyGroupMembershipDefaults(
    std::map<std::string, std::string>* properties, const std::string& db_path,
    int librdkafka_version) {
  GroupMembership membership;
  const bool sticky_safe = librdkafka_version >= kCooperativeStickyFixedVersion;
  auto strategy = properties->find("partition.assignment.strategy");
  if (strategy == properties->end()) {
    (*properties)["partition.assignment.strategy"] =
        sticky_safe ? "cooperative-sticky" : "range,roundrobin";
  } else if (!sticky_safe && strategy->second.find("cooperative-sticky") != std::string::npos) {
    membership.warning =
        "partition.assignment.strategy=cooperative-sticky with librdkafka older than 2.3.0: "
        "stopping serve before its first assignment aborts the process (librdkafka issue 4312)";
  }
  membership.strategy = (*properties)["partition.assignment.strategy"];
  auto configured = properties->find("group.instance.id");
  if (configured != properties->end()) {
    if (configured->second.empty()) {
      properties->erase(configured);  // "": dynamic membership, asked for
    } else {
      membership.instance_id = configured->second;
    }
    return membership;
  }
  auto id = LoadOrCreateInstanceId(db_path);
  if (!id.ok()) return id.status();
  (*properties)["group.instance.id"] = *id;
  membership.instance_id = *id;
  return membership;
}

}  // namespace hoso::connectors::kafka
