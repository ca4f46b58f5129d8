# Writes EmbeddedTargets.inc: one {"name", R"json(...)json"} entry per
# targets/*.json, so that the descriptions are part of the library.
# Invoked with -DTARGETS_DIR=... -DOUTPUT=...
file(GLOB target_files "${TARGETS_DIR}/*.json")
list(SORT target_files)
set(content "")
foreach(file ${target_files})
  get_filename_component(name "${file}" NAME_WE)
  file(READ "${file}" json)
  string(APPEND content "{\"${name}\", R\"apex4json(${json})apex4json\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "${content}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different
                "${OUTPUT}.tmp" "${OUTPUT}")
