# embed_text_files(OUT_HEADER NAMESPACE VAR_PREFIX FILES...)
# Turns text files (SQL) into named string constants so every query has a name
# for logs and metrics, and migrations ship inside the binary.
function(embed_text_files out_header namespace)
  set(files ${ARGN})
  string(REPLACE ";" "," files_arg "${files}")
  add_custom_command(
    OUTPUT ${out_header}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_header} -DNAMESPACE=${namespace}
            "-DFILES=${files_arg}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedTextScript.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/EmbedTextScript.cmake
    COMMENT "Embedding ${namespace} text files"
    VERBATIM)
endfunction()
