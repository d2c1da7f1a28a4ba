# Run at install time (from packaging/CMakeLists.txt): the files whose place
# or content depends on the install prefix as given then, so one build tree
# serves `cmake --install build --prefix DIR` and the Debian package
# (CPack installs with the prefix /usr):
#   prefix /usr:  /etc/hoso/hoso.json, units in /usr/lib/systemd/system
#   prefix DIR:   DIR/etc/hoso/hoso.json, DIR/lib/systemd/system
# as GNUInstallDirs places sysconfdir. Expects HOSO_SOURCE_DIR and
# HOSO_STAGING_DIR (a scratch directory of the build tree).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(hoso_etc "/etc")
else()
  set(hoso_etc "${CMAKE_INSTALL_PREFIX}/etc")
endif()

file(INSTALL "${HOSO_SOURCE_DIR}/connectors/kafka/hoso.example.json"
  DESTINATION "${hoso_etc}/hoso" RENAME hoso.json
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)

set(HOSO_BIN "${CMAKE_INSTALL_PREFIX}/bin/hoso")
set(HOSO_CONFIG "${hoso_etc}/hoso/hoso.json")
set(HOSO_DOC "${CMAKE_INSTALL_PREFIX}/share/doc/hoso")
# Staged per destination: installs to other prefixes may run at once (the
# install and package tests do), and must not install each other's unit.
string(SHA1 hoso_stage "${CMAKE_INSTALL_PREFIX}|$ENV{DESTDIR}")
set(hoso_stage_dir "${HOSO_STAGING_DIR}/${hoso_stage}")
configure_file("${HOSO_SOURCE_DIR}/packaging/hoso.service.in" "${hoso_stage_dir}/hoso.service"
  @ONLY)
file(INSTALL "${hoso_stage_dir}/hoso.service"
  DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(REMOVE_RECURSE "${hoso_stage_dir}")
