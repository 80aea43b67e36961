# scdoc.cmake - cmake -P script: one man page from its scdoc source, with
# the option sections written once (device-options.scd,
# daemon-options.scd) put in at %DEVICE_OPTIONS% and %DAEMON_OPTIONS%.
# Variables: SCDOC (the program), SRC (the page's .scd), DIR (docs/man),
# VERSION, OUT (the page to write).
file(READ ${SRC} page)
file(READ ${DIR}/device-options.scd device)
file(READ ${DIR}/daemon-options.scd daemon)
string(REPLACE "%DEVICE_OPTIONS%\n" "${device}" page "${page}")
string(REPLACE "%DAEMON_OPTIONS%\n" "${daemon}" page "${page}")
string(REPLACE "%VERSION%" "${VERSION}" page "${page}")
file(WRITE ${OUT}.scd "${page}")
execute_process(COMMAND ${SCDOC} INPUT_FILE ${OUT}.scd OUTPUT_FILE ${OUT}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT})
  message(FATAL_ERROR "scdoc ${SRC}: ${err}")
endif()
