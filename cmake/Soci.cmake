# Debian's SOCI ships no CMake package config; find the pieces by hand.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
find_library(SOCI_POSTGRESQL_LIBRARY soci_postgresql REQUIRED)
find_library(PQ_LIBRARY pq REQUIRED)
find_path(PQ_INCLUDE_DIR libpq-fe.h PATHS /usr/include/postgresql REQUIRED)
add_library(soci::postgresql INTERFACE IMPORTED)
target_include_directories(soci::postgresql INTERFACE ${SOCI_INCLUDE_DIR} ${PQ_INCLUDE_DIR})
target_link_libraries(soci::postgresql INTERFACE ${SOCI_POSTGRESQL_LIBRARY} ${SOCI_CORE_LIBRARY}
                                                 ${PQ_LIBRARY})
