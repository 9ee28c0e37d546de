# Our fixes of the real kernel's findings, as build-time transformations of its unmodified source.
# A fix is kernel/fixes/fN.cmake: FIX_FILE, the one statement to change (FIX_STATEMENT, matched
# exactly as text) and our replacement (FIX_REPLACEMENT). Nothing else of the kernel is ours to
# carry. Used at configure time (kernel/CMakeLists.txt: can this tree take the fix?) and at build
# time (prepare-source.cmake: apply it, or stop the build saying why).
set(KERNEL_FIXES_DIR "${CMAKE_CURRENT_LIST_DIR}/fixes")

# The fixes every kernel can be built with: the names of kernel/fixes/fN.cmake, by number.
function(kernel_fix_names out)
  file(GLOB files RELATIVE "${KERNEL_FIXES_DIR}" "${KERNEL_FIXES_DIR}/f*.cmake")
  set(numbers "")
  foreach(file IN LISTS files)
    string(REGEX REPLACE "^f([0-9]+)\\.cmake$" "\\1" number "${file}")
    list(APPEND numbers "${number}")
  endforeach()
  list(SORT numbers COMPARE NATURAL)
  list(TRANSFORM numbers PREPEND "f")
  set(${out} "${numbers}" PARENT_SCOPE)
endfunction()

# How many times `statement` occurs in `text`, as exact text.
function(kernel_fix_occurrences text statement out)
  string(LENGTH "${text}" with)
  string(REPLACE "${statement}" "" without "${text}")
  string(LENGTH "${without}" length_without)
  string(LENGTH "${statement}" length_statement)
  math(EXPR count "(${with} - ${length_without}) / ${length_statement}")
  set(${out} ${count} PARENT_SCOPE)
endfunction()

# Loads fix `name` into the caller's scope (FIX_FILE, FIX_STATEMENT, FIX_REPLACEMENT), or sets
# `problem_var` when kernel/fixes/ has no such fix.
macro(kernel_fix_load name problem_var)
  set(${problem_var} "")
  if(EXISTS "${KERNEL_FIXES_DIR}/${name}.cmake")
    include("${KERNEL_FIXES_DIR}/${name}.cmake")
  else()
    kernel_fix_names(known_fixes)
    set(${problem_var} "no kernel fix ${name} (kernel/fixes/ has: ${known_fixes})")
  endif()
endmacro()

# Applies fix `name` (f10) to the file `file` of tree `root` whose text is in the variable named
# by `text_var`: the text with the statement replaced, or, in `problem_var`, why it cannot be
# (the statement is not found exactly once: the tree differs from the one the fix was written
# for). A file the fix does not change is left as it is.
function(kernel_fix_apply name root file text_var problem_var)
  kernel_fix_load("${name}" problem)
  set(${problem_var} "${problem}" PARENT_SCOPE)
  if(problem OR NOT file STREQUAL FIX_FILE)
    return()
  endif()
  kernel_fix_occurrences("${${text_var}}" "${FIX_STATEMENT}" count)
  if(NOT count EQUAL 1)
    set(${problem_var}
        "${root}/${file}: fix ${name} changes the statement '${FIX_STATEMENT}', found ${count} times instead of once (kernel/fixes/${name}.cmake: this tree differs from 6.12/6.1 there)"
        PARENT_SCOPE)
    return()
  endif()
  string(REPLACE "${FIX_STATEMENT}" "${FIX_REPLACEMENT}" fixed "${${text_var}}")
  set(${text_var} "${fixed}" PARENT_SCOPE)
endfunction()

# Why the tree at `root` cannot take the fixes `fixes` ("f10", "f2+f10"), or empty.
function(kernel_fixes_problem root fixes out)
  string(REPLACE "+" ";" names "${fixes}")
  foreach(name IN LISTS names)
    kernel_fix_load("${name}" problem)
    if(NOT problem AND NOT EXISTS "${root}/${FIX_FILE}")
      set(problem "${root}/${FIX_FILE} is missing")
    elseif(NOT problem)
      file(READ "${root}/${FIX_FILE}" text)
      kernel_fix_apply("${name}" "${root}" "${FIX_FILE}" text problem)
    endif()
    if(problem)
      set(${out} "${problem}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()
