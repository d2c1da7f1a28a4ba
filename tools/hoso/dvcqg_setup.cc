#include "tools/hoso/dvcqg_setup.h"

#include "connectors/file/whole_file.h"

namespace hoso::tools {

namespace dvcqg = connectors::dvcqg;

core::Result<std::unique_ptr<DvcqgSetup>> LoadDvcqgSetup(const std::string& mapping_path,
                                                         const core::ProcedureCatalog& catalog) {
  auto setup = std::make_unique<DvcqgSetup>();
  setup->mapping = dvcqg::DefaultStatusMapping();
  if (!mapping_path.empty()) {
    auto text = connectors::ReadWholeFile(mapping_path);
    if (!text.ok()) return text.status();
    auto applied = dvcqg::ApplyMappingFile(*text, std::move(setup->mapping));
    if (!applied.ok()) {
      return core::Status::InvalidArgument(mapping_path + ": " + applied.status().message());
    }
    setup->mapping = std::move(*applied);
  }
  setup->options.mapping = &setup->mapping;
  setup->options.catalog_online_level = [&catalog](std::string_view procedure_id) {
    const core::Procedure* procedure = catalog.Find(std::string(procedure_id));
    return procedure == nullptr ? std::nullopt
                                : std::optional<int>(procedure->online_level_offered);
  };
  return setup;
}

}  // namespace hoso::tools
