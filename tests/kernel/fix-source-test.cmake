# Tests kernel/fix-source.cmake and prepare-source.cmake's use of it on stand-in trees: each fix
# of kernel/fixes/ replaces its statement when the tree has it exactly once, and a tree with the
# statement missing or twice gets a clear reason at configure time and a failed build step that
# names the file, the statement and the count. Run as cmake -DKERNEL_DIR= -DWORK= -P.
cmake_minimum_required(VERSION 3.25)  # the project's policies (IN_LIST)
include("${KERNEL_DIR}/fix-source.cmake")

set(failures 0)
macro(fail message)
  message(SEND_ERROR "FAILED: ${message}")
  math(EXPR failures "${failures} + 1")
endmacro()

# A stand-in tree: the six files prepare-source.cmake copies, iova.c holding `body`.
function(stand_in_tree root body)
  file(REMOVE_RECURSE "${root}" "${root}-out")
  foreach(file lib/rbtree.c include/linux/iova.h include/linux/rbtree.h include/linux/rbtree_types.h
               include/linux/rbtree_augmented.h)
    file(WRITE "${root}/${file}" "/* stand-in */\n")
  endforeach()
  file(WRITE "${root}/drivers/iommu/iova.c" "${body}")
endfunction()

# prepare-source.cmake on `root` with `fixes`: its exit code and output.
function(prepare root fixes code_var output_var)
  execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${root} -DOUT=${root}-out -DVERSION=1.0 -DFIXES=${fixes}
                          -P "${KERNEL_DIR}/prepare-source.cmake"
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${code_var} "${code}" PARENT_SCOPE)
  set(${output_var} "${out}${err}" PARENT_SCOPE)
endfunction()

kernel_fix_names(names)
if(NOT "f10" IN_LIST names)
  fail("kernel_fix_names lists f10: ${names}")
endif()

foreach(fix IN LISTS names)
  include("${KERNEL_FIXES_DIR}/${fix}.cmake")
  if(NOT FIX_FILE STREQUAL "drivers/iommu/iova.c")
    fail("${fix} changes iova.c (the stand-in tree has only that one)")
  endif()
  set(before "static void f(void)\n{\n\tif (x)\n\t\t${FIX_STATEMENT}\n}\n")

  # Once: replaced, nothing else changes, and the version names the fix.
  stand_in_tree("${WORK}/once" "${before}")
  kernel_fixes_problem("${WORK}/once" "${fix}" problem)
  if(problem)
    fail("${fix} applies where its statement is found once: ${problem}")
  endif()
  prepare("${WORK}/once" "${fix}" code output)
  if(NOT code EQUAL 0)
    fail("prepare-source with ${fix} succeeds: ${output}")
  endif()
  file(READ "${WORK}/once-out/drivers/iommu/iova.c" after)
  string(REPLACE "${FIX_STATEMENT}" "${FIX_REPLACEMENT}" expected "${before}")
  if(NOT after STREQUAL expected OR after STREQUAL before)
    fail("${fix} replaces exactly its statement: ${after}")
  endif()
  file(READ "${WORK}/once-out/iovacheck_kernel_version.h" version)
  if(NOT version STREQUAL "#define IOVACHECK_KERNEL_VERSION \"1.0+${fix}\"\n")
    fail("the version names the fix: ${version}")
  endif()

  # Missing or twice: refused at configure time and by the build step, naming the count.
  foreach(case missing twice)
    if(case STREQUAL "missing")
      set(body "static void f(void) { }\n")
      set(count 0)
    else()
      set(body "${before}${before}")
      set(count 2)
    endif()
    stand_in_tree("${WORK}/${case}" "${body}")
    kernel_fixes_problem("${WORK}/${case}" "${fix}" problem)
    if(NOT problem MATCHES "found ${count} times instead of once")
      fail("${fix}, statement ${case}: reason given: ${problem}")
    endif()
    prepare("${WORK}/${case}" "${fix}" code output)
    if(code EQUAL 0)
      fail("${fix}, statement ${case}: the build step fails")
    endif()
    string(REGEX REPLACE "[ \n]+" " " flat "${output}")  # cmake wraps its messages
    if(NOT flat MATCHES "drivers/iommu/iova.c: fix ${fix} changes the statement")
      fail("${fix}, statement ${case}: the build step says why: ${output}")
    endif()
  endforeach()
endforeach()

# A fix that does not exist is named as such.
stand_in_tree("${WORK}/unknown" "int x;\n")
kernel_fixes_problem("${WORK}/unknown" "f1" problem)
if(NOT problem MATCHES "no kernel fix f1")
  fail("f1 is not a kernel fix: ${problem}")
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} expectations failed")
endif()
message(STATUS "kernel fixes tested: ${names}")
