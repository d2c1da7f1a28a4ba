// The connector's named spdlog logger ("kafka"). Include only from .cc files
// (docs/conventions.md rule 22): log macros stay out of public headers.
#ifndef HOSO_CONNECTORS_KAFKA_LOGGER_H_
#define HOSO_CONNECTORS_KAFKA_LOGGER_H_

#include <spdlog/spdlog.h>

#include <memory>

namespace hoso::connectors::kafka {

// The "kafka" logger, created on first use with the default sink and level.
spdlog::logger& Log();

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_LOGGER_H_
