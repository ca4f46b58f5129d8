# Installs headers, data files and an APEX4Config.cmake so that another
# project can `find_package(APEX4)` and link the dialect, passes and cost
# model. The libraries themselves are installed by add_mlir_library.
#
# The config file declares one IMPORTED target per apex4 library, named as in
# this build, with the same link interface; MLIR's own targets come from
# find_dependency(MLIR).

include(CMakePackageConfigHelpers)

set(APEX4_LIBRARY_TARGETS
  APEX4Target APEX4Dialect APEX4Transforms APEX4ToReference APEX4ToGPU
  APEX4Pipelines)

set(APEX4_IMPORTED_TARGETS "")
foreach(lib ${APEX4_LIBRARY_TARGETS})
  if(NOT TARGET ${lib})
    continue()
  endif()
  get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
  if(NOT deps)
    set(deps "")
  endif()
  # Keep dependency names only; the consumer resolves them to imported targets
  # (MLIR*/LLVM*) or system libraries.
  string(REGEX REPLACE "\\$<LINK_ONLY:([^>]*)>" "\\1" deps "${deps}")
  string(APPEND APEX4_IMPORTED_TARGETS
    "if(NOT TARGET ${lib})\n"
    "  add_library(${lib} STATIC IMPORTED)\n"
    "  set_target_properties(${lib} PROPERTIES\n"
    "    IMPORTED_LOCATION \"\${APEX4_PREFIX}/lib/lib${lib}.a\"\n"
    "    INTERFACE_INCLUDE_DIRECTORIES \"\${APEX4_PREFIX}/include\"\n"
    "    INTERFACE_LINK_LIBRARIES \"${deps}\")\n"
    "endif()\n")
endforeach()

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/APEX4Config.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/APEX4Config.cmake
  INSTALL_DESTINATION lib/cmake/apex4)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/APEX4ConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)

install(FILES
  ${PROJECT_BINARY_DIR}/cmake/APEX4Config.cmake
  ${PROJECT_BINARY_DIR}/cmake/APEX4ConfigVersion.cmake
  DESTINATION lib/cmake/apex4)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/apex4
  DESTINATION include
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/apex4
  DESTINATION include
  FILES_MATCHING PATTERN "*.inc")
if(EXISTS ${PROJECT_SOURCE_DIR}/targets)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/targets DESTINATION share/apex4)
endif()
