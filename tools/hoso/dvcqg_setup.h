// The DVCQG connector as the CLI sets it up for `hoso import dvcqg` and for
// serve's topics.dvcqg (docs/dvcqg.md): the status mapping - the national
// default, or a site's file over it - and the procedure catalog's online
// levels.
#ifndef HOSO_TOOLS_HOSO_DVCQG_SETUP_H_
#define HOSO_TOOLS_HOSO_DVCQG_SETUP_H_

#include <memory>
#include <string>

#include "connectors/dvcqg/snapshot_diff.h"
#include "connectors/dvcqg/status_mapping.h"
#include "engine/core/reference_data.h"
#include "engine/core/status.h"

namespace hoso::tools {

struct DvcqgSetup {
  connectors::dvcqg::StatusMapping mapping;
  // Point into this setup and `catalog`: keep both alive while they are used.
  connectors::dvcqg::DiffOptions options;
};

// Reads `mapping_path` over the national default ("" : the default alone).
// NotFound when the file cannot be read, InvalidArgument naming the file for
// a mapping the schema refuses.
core::Result<std::unique_ptr<DvcqgSetup>> LoadDvcqgSetup(const std::string& mapping_path,
                                                         const core::ProcedureCatalog& catalog);

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_HOSO_DVCQG_SETUP_H_
