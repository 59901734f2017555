cmake_minimum_required(VERSION 3.25)
# Fails when ui/ or app/studio hold a translatable string that a shipped .ts file lacks (and warns
# when a .ts file keeps strings the sources no longer have): runs lupdate (the options of
# translations/update.sh) on copies of the .ts files and reads what it would change.
#   cmake -DLUPDATE=<lupdate> -DSOURCE_DIR=<repository> -DWORK=<scratch folder> -P <this file>
# Fix: translations/update.sh, translate the "unfinished" entries, commit translations/*.ts.
foreach(v LUPDATE SOURCE_DIR WORK)
  if(NOT ${v})
    message(FATAL_ERROR "${v} not given")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(languages zh_CN de)
set(copies "")
foreach(lang ${languages})
  file(COPY ${SOURCE_DIR}/translations/sfr_studio_${lang}.ts DESTINATION ${WORK})
  list(APPEND copies ${WORK}/sfr_studio_${lang}.ts)
endforeach()
execute_process(COMMAND ${LUPDATE} -no-obsolete -locations relative -I ui/include ui app/studio
                        -ts ${copies}
                WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lupdate failed (exit ${rc}):\n${out}\n${err}")
endif()
message(STATUS "lupdate over ui/ and app/studio:\n${out}")
set(problems "")
foreach(lang ${languages})
  set(committed ${SOURCE_DIR}/translations/sfr_studio_${lang}.ts)
  set(refreshed ${WORK}/sfr_studio_${lang}.ts)
  file(READ ${committed} before)
  file(READ ${refreshed} after)
  string(REGEX MATCHALL "<message[ >]" m_before "${before}")
  string(REGEX MATCHALL "<message[ >]" m_after "${after}")
  list(LENGTH m_before n_before)
  list(LENGTH m_after n_after)
  # New strings come in as unfinished; list their sources.
  string(REGEX MATCHALL
         "<source>[^<]*</source>[ \n]*(<comment>[^<]*</comment>[ \n]*)?<translation type=\"unfinished\""
         fresh "${after}")
  list(LENGTH fresh n_new)
  math(EXPR n_gone "${n_before} - (${n_after} - ${n_new})")
  message(STATUS "${committed}: ${n_before} messages; the sources have ${n_after}: "
                 "${n_new} untranslated, ${n_gone} no longer used")
  foreach(entry IN LISTS fresh)
    string(REGEX REPLACE "^<source>([^<]*)</source>.*" "\\1" text "${entry}")
    string(APPEND problems "${lang}: not translated: \"${text}\"\n")
  endforeach()
  if(NOT n_gone EQUAL 0)
    # Harmless at run time (and expected while translated code is still uncommitted elsewhere);
    # translations/update.sh drops them.
    message(WARNING "${lang}: ${n_gone} entries no longer in the sources (run translations/update.sh)")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "translations out of date (run translations/update.sh, translate the "
                      "unfinished entries, commit translations/*.ts):\n${problems}")
endif()
message(STATUS "every translatable string of ui/ and app/studio is translated in "
               "${languages}")
