# The Debian package (tools/package runs `cpack -G DEB`): what
# `cmake --install` puts under the prefix /usr, the config in
# /etc/hoso/hoso.json as a conffile, and the maintainer scripts of
# packaging/debian (the hoso user, /var/lib/hoso, the unit). Depends: from
# dpkg-shlibdeps on the binary (Debian 12's librdkafka1, librocksdb7.8,
# libsimdjson14, ...), plus adduser for postinst and libpq5, which the
# binary loads with dlopen when the PostgreSQL sink is used
# (connectors/postgres/libpq_library.h), so dpkg-shlibdeps cannot see it.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME hoso)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "hoso")
set(CPACK_PACKAGE_CONTACT "hoso maintainers <hoso@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "event-sourced tracking of administrative-procedure dossiers and their KPIs")
# The extended description: CPack indents each line and writes an empty one
# as " .", under the summary above.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "hoso follows every dossier of a district's one-stop desks from Kafka (or a
JSONL file), keeps an append-only, hash-chained event log in RocksDB and
maintains the reform plan's figures live: on-time ratio, online shares,
one-stop share, apology compliance, per agency, procedure and month. It
raises SLA alerts and serves a dashboard, a JSON API and Prometheus metrics.

This package runs `hoso serve` as the systemd service hoso.service, as the
system user hoso, with its database in /var/lib/hoso.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, libpq5")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/packaging/debian/conffiles;${PROJECT_SOURCE_DIR}/packaging/debian/postinst;${PROJECT_SOURCE_DIR}/packaging/debian/prerm;${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
# cpack and `make install` install what is built and never build: a package
# test runs beside other tests of the same tree, and tools/package builds first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
