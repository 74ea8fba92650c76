# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Builds the API reference (docs/Doxyfile, into WORK_DIR) and checks that every mode and
# deadline member, declared in detail::io_object, is documented on the pages of the types users
# hold: basic_socket and basic_acceptor. Doxygen warnings fail it, as in `make docs`.
cmake_minimum_required(VERSION 3.21)

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
file(READ ${SOURCE_DIR}/docs/Doxyfile config)
file(WRITE ${WORK_DIR}/Doxyfile "${config}\nOUTPUT_DIRECTORY = ${WORK_DIR}/out\n")
execute_process(COMMAND ${DOXYGEN} ${WORK_DIR}/Doxyfile WORKING_DIRECTORY ${SOURCE_DIR}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "doxygen failed (${result})")
endif()

set(members settimeout gettimeout setblocking getblocking set_deadline set_read_deadline
  set_write_deadline read_deadline write_deadline cancel)
foreach(page basic__socket basic__acceptor)
  set(html ${WORK_DIR}/out/html/classsockmode_1_1${page}.html)
  if(NOT EXISTS ${html})
    message(FATAL_ERROR "no reference page ${html}")
  endif()
  file(READ ${html} text)
  foreach(member ${members})
    # A member's documentation block: <td class="memname">... ::member </td>
    if(NOT text MATCHES "class=\"memname\">[^<]*::${member}[ <]")
      message(FATAL_ERROR "${page}'s reference page does not document ${member}")
    endif()
  endforeach()
endforeach()
message(STATUS "basic_socket and basic_acceptor pages document: ${members}")
