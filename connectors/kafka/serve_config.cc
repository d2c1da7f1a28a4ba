#include "connectors/kafka/serve_config.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace hoso::connectors::kafka {
namespace {

core::Status Bad(const std::string& message) {
  return core::Status::InvalidArgument("config: " + message);
}

core::Result<int> IntIn(const nlohmann::json& value, const std::string& key, int low, int high) {
  if (!value.is_number_integer()) return Bad("'" + key + "' must be an integer");
  const int64_t v = value.get<int64_t>();
  if (v < low || v > high) {
    return Bad("'" + key + "' must be " + std::to_string(low) + ".." + std::to_string(high));
  }
  return static_cast<int>(v);
}

// A path of the config: absolute, or relative to the config file's directory.
std::string Resolve(const std::string& base_dir, const std::string& path) {
  const std::filesystem::path p = path;
  return p.is_absolute() ? p.string() : (std::filesystem::path(base_dir) / p).string();
}

}  // namespace

core::Result<ServeConfig> ParseServeConfig(const std::string& json_text,
                                           const std::string& base_dir) {
  nlohmann::json json = nlohmann::json::parse(json_text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return Bad("not a JSON object");
  ServeConfig config;
  std::optional<bool> order;
  bool has_dvcqg_settings = false;
  for (const auto& [key, value] : json.items()) {
    if (key.rfind("kafka.", 0) == 0) {
      std::string text;
      if (value.is_string()) {
        text = value.get<std::string>();
      } else if (value.is_number_integer() || value.is_boolean()) {
        text = value.dump();
      } else {
        return Bad("'" + key + "' must be a string, integer or boolean");
      }
      config.kafka[key.substr(6)] = text;
    } else if (key == "topics") {
      if (!value.is_object()) return Bad("'topics' must be an object");
      for (const auto& [name, topic] : value.items()) {
        if (!topic.is_string() || topic.get<std::string>().empty()) {
          return Bad("'topics." + name + "' must be a non-empty string");
        }
        std::string t = topic.get<std::string>();
        if (name == "events") {
          config.events_topic = t;
        } else if (name == "dead_letter") {
          config.dead_letter_topic = t;
        } else if (name == "alerts") {
          config.alerts_topic = t;
        } else if (name == "kpi") {
          config.kpi_topic = t;
        } else if (name == "instances") {
          config.instances_topic = t;
        } else if (name == "dvcqg") {
          config.dvcqg_topic = t;
        } else {
          return Bad("unknown key 'topics." + name +
                     "' (events, dead_letter, alerts, kpi, instances, dvcqg)");
        }
      }
    } else if (key == "db") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return Bad("'db' must be a non-empty path");
      }
      config.db_path = Resolve(base_dir, value.get<std::string>());
    } else if (key == "batch_max_records") {
      auto v = IntIn(value, key, 1, 100000);
      if (!v.ok()) return v.status();
      config.batch_max_records = *v;
    } else if (key == "poll_timeout_ms") {
      auto v = IntIn(value, key, 1, 10000);
      if (!v.ok()) return v.status();
      config.poll_timeout_ms = *v;
    } else if (key == "http_port") {
      // The key of earlier versions: a port on loopback.
      auto v = IntIn(value, key, 0, 65535);
      if (!v.ok()) return v.status();
      if (!config.http.listen_configured) {
        config.http.listen = *v > 0 ? "127.0.0.1:" + std::to_string(*v) : "";
        config.http.listen_configured = true;
      }
    } else if (key == "http") {
      if (!value.is_object()) return Bad("'http' must be an object");
      for (const auto& [name, item] : value.items()) {
        if (name == "listen") {
          if (!item.is_string()) return Bad("'http.listen' must be \"host:port\" or \"\"");
          config.http.listen = item.get<std::string>();
          config.http.listen_configured = true;
        } else if (name == "token_file") {
          if (!item.is_string() || item.get<std::string>().empty()) {
            return Bad("'http.token_file' must be a path");
          }
          config.http.token_file = Resolve(base_dir, item.get<std::string>());
        } else if (name == "port_file") {
          if (!item.is_string() || item.get<std::string>().empty()) {
            return Bad("'http.port_file' must be a path");
          }
          config.http.port_file = Resolve(base_dir, item.get<std::string>());
        } else if (name == "refresh_ms") {
          auto v = IntIn(item, "http.refresh_ms", 0, 60000);
          if (!v.ok()) return v.status();
          config.http.refresh_ms = *v;
        } else if (name == "advertise") {
          if (!item.is_string() || (!item.get<std::string>().starts_with("http://") &&
                                    !item.get<std::string>().starts_with("https://"))) {
            return Bad("'http.advertise' must be a URL such as \"http://10.0.0.5:8080\"");
          }
          config.http.advertise = item.get<std::string>();
          while (config.http.advertise.ends_with('/')) config.http.advertise.pop_back();
        } else if (name == "ready_max_lag") {
          auto v = IntIn(item, "http.ready_max_lag", 0, 2000000000);
          if (!v.ok()) return v.status();
          config.http.ready_max_lag = *v;
        } else {
          return Bad("unknown key 'http." + name +
                     "' (listen, advertise, token_file, port_file, refresh_ms, ready_max_lag)");
        }
      }
    } else if (key == "sinks") {
      if (!value.is_object()) return Bad("'sinks' must be an object");
      for (const auto& [name, sink] : value.items()) {
        if (name != "postgres") return Bad("unknown key 'sinks." + name + "' (postgres)");
        if (!sink.is_object()) return Bad("'sinks.postgres' must be an object");
        for (const auto& [setting, item] : sink.items()) {
          if (setting != "dsn") return Bad("unknown key 'sinks.postgres." + setting + "' (dsn)");
          if (!item.is_string() || item.get<std::string>().empty()) {
            return Bad("'sinks.postgres.dsn' must be a libpq connection string");
          }
          config.postgres_dsn = item.get<std::string>();
        }
      }
    } else if (key == "dvcqg") {
      if (!value.is_object()) return Bad("'dvcqg' must be an object");
      has_dvcqg_settings = !value.empty();
      for (const auto& [name, item] : value.items()) {
        if (name == "mapping") {
          if (!item.is_string() || item.get<std::string>().empty()) {
            return Bad("'dvcqg.mapping' must be the path of a status mapping file");
          }
          config.dvcqg_mapping_path = Resolve(base_dir, item.get<std::string>());
        } else if (name == "checkpoint_interval_ms") {
          auto v = IntIn(item, "dvcqg.checkpoint_interval_ms", 1000, 3600000);
          if (!v.ok()) return v.status();
          config.dvcqg_checkpoint_interval_ms = *v;
        } else {
          return Bad("unknown key 'dvcqg." + name + "' (mapping, checkpoint_interval_ms)");
        }
      }
    } else if (key == "log") {
      if (!value.is_object()) return Bad("'log' must be an object");
      for (const auto& [name, item] : value.items()) {
        if (name == "format") {
          if (item != "text" && item != "json") {
            return Bad("'log.format' must be \"text\" or \"json\"");
          }
          config.log.format = item.get<std::string>();
        } else if (name == "level") {
          if (item != "error" && item != "warn" && item != "info" && item != "debug") {
            return Bad("'log.level' must be \"error\", \"warn\", \"info\" or \"debug\"");
          }
          config.log.level = item.get<std::string>();
        } else {
          return Bad("unknown key 'log." + name + "' (format, level)");
        }
      }
    } else if (key == "publish_kpi") {
      if (!value.is_boolean()) return Bad("'publish_kpi' must be true or false");
      config.publish_kpi = value.get<bool>();
    } else if (key == "event_time_order") {
      if (!value.is_boolean()) return Bad("'event_time_order' must be true or false");
      order = value.get<bool>();
    } else if (key == "clock") {
      if (value == "wall") {
        config.wall_clock = true;
      } else if (value == "event") {
        config.wall_clock = false;
      } else {
        return Bad("'clock' must be \"wall\" or \"event\"");
      }
    } else if (key == "clock_offset_ms") {
      if (!value.is_number_integer()) return Bad("'clock_offset_ms' must be an integer");
      config.clock_offset_ms = value.get<int64_t>();
    } else if (key == "clock_start") {
      if (!value.is_string()) return Bad("'clock_start' must be an RFC 3339 date-time");
      auto start = core::ParseRfc3339(value.get<std::string>());
      if (!start.ok()) return Bad("'clock_start': " + start.status().message());
      config.clock_start = *start;
    } else if (key == "clock_tick_ms") {
      auto v = IntIn(value, key, 10, 1000);
      if (!v.ok()) return v.status();
      config.clock_tick_ms = *v;
    } else if (key == "max_ahead_days") {
      auto v = IntIn(value, key, -1, 36500);
      if (!v.ok()) return v.status();
      config.max_ahead_days = *v;
    } else if (key == "future_skew_minutes") {
      auto v = IntIn(value, key, -1, 525600);
      if (!v.ok()) return v.status();
      config.future_skew_minutes = *v;
    } else if (key == "idle_partition_ms") {
      auto v = IntIn(value, key, 0, 3600000);
      if (!v.ok()) return v.status();
      config.idle_partition_ms = *v;
    } else if (key == "merge_max_held_records") {
      auto v = IntIn(value, key, 1000, 100000000);
      if (!v.ok()) return v.status();
      config.merge_max_held_records = *v;
    } else if (key == "dead_letter_max_bytes") {
      auto v = IntIn(value, key, 65537, 100000000);
      if (!v.ok()) return v.status();
      config.dead_letter_max_bytes = *v;
    } else if (key == "min_free_disk_mb") {
      auto v = IntIn(value, key, 0, 1 << 30);
      if (!v.ok()) return v.status();
      config.min_free_disk_mb = *v;
    } else if (key.rfind("_", 0) == 0 || key == "comment") {
      // Comments ("_note": ...) are allowed.
    } else {
      return Bad("unknown key '" + key + "'");
    }
  }
  config.event_time_order = order.value_or(!config.wall_clock);
  if (config.db_path.empty()) return Bad("'db' is required");
  if (config.kafka.count("bootstrap.servers") == 0) {
    return Bad("'kafka.bootstrap.servers' is required");
  }
  if (config.kafka.count("group.id") == 0) return Bad("'kafka.group.id' is required");
  if (has_dvcqg_settings && config.dvcqg_topic.empty()) {
    return Bad("'dvcqg' settings are given but 'topics.dvcqg' is not: nothing would use them");
  }
  if (!config.dvcqg_topic.empty() && (config.dvcqg_topic == config.events_topic ||
                                      config.dvcqg_topic == config.dead_letter_topic)) {
    return Bad(
        "'topics.dvcqg' must differ from the events and dead-letter topics: serve writes "
        "the events it derives to the events topic");
  }
  return config;
}

core::Result<ServeConfig> LoadServeConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::Status::IOError("cannot read config " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  return ParseServeConfig(text.str(), base.string());
}

}  // namespace hoso::connectors::kafka
