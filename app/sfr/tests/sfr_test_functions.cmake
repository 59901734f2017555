# Helpers shared by the `sfr` CLI test scripts (cli_test.cmake, weights_test.cmake).
# run_sfr(EXPECTED_CODE ARGS...): runs ${SFR} (with the environment ${RUN_ENV}, if any), prints
# its output, fails unless the exit code matches, and leaves stdout/stderr in OUT/ERR.
function(run_sfr expected_code)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${RUN_ENV} ${SFR} ${ARGN} RESULT_VARIABLE code
                  OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 600)
  message(STATUS "sfr ${ARGN}\n--- exit ${code}\n--- stdout\n${out}\n--- stderr\n${err}")
  if(NOT code STREQUAL "${expected_code}")
    message(FATAL_ERROR "expected exit code ${expected_code}, got ${code}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()

function(require_match text regex)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "output does not match '${regex}'")
  endif()
endfunction()
