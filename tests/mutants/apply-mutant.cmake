# cmake -DORIGINAL=F -DPATCH=P -DCOPY=C -DSTATUS=S -P apply-mutant.cmake: C is F with the mutant P
# applied; S says "applied", or why not (then C is F unmutated, and the test reading S fails).
get_filename_component(dir ${COPY} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
file(COPY_FILE ${ORIGINAL} ${COPY})
find_program(PATCH_PROGRAM patch)
if(NOT PATCH_PROGRAM)
  file(WRITE ${STATUS} "not applied: no patch program on PATH (tools/install-deps.sh installs it)\n")
  return()
endif()
execute_process(COMMAND ${PATCH_PROGRAM} --batch --silent --no-backup-if-mismatch ${COPY} ${PATCH}
                RESULT_VARIABLE failed OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(failed)
  file(COPY_FILE ${ORIGINAL} ${COPY})
  file(WRITE ${STATUS} "not applied: ${PATCH} does not apply to ${ORIGINAL}: ${output}\n")
else()
  file(WRITE ${STATUS} "applied\n")
endif()
