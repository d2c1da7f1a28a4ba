// The connector's named spdlog logger ("postgres"). Include only from .cc
// files (docs/conventions.md rule 22): log macros stay out of public headers.
#ifndef HOSO_CONNECTORS_POSTGRES_LOGGER_H_
#define HOSO_CONNECTORS_POSTGRES_LOGGER_H_

#include <spdlog/spdlog.h>

namespace hoso::connectors::postgres {

// The "postgres" logger, created on first use with the default sink and level.
spdlog::logger& Log();

}  // namespace hoso::connectors::postgres

#endif  // HOSO_CONNECTORS_POSTGRES_LOGGER_H_
