# Compiler launcher, warnings and sanitizers for every Lobby target.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

# lobby_target_defaults(target): warnings on, sanitizers when LOBBY_SANITIZE is set.
function(lobby_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
  if(LOBBY_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(LOBBY_FUZZ)  # libFuzzer's coverage in every library the fuzz targets reach
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  endif()
endfunction()

# lobby_add_component(target): the library holds a component of services/lobbyd/components.cc;
# lobby_components (lobbyd's and the test harness's list) links it.
function(lobby_add_component target)
  set_property(GLOBAL APPEND PROPERTY LOBBY_COMPONENT_LIBS ${target})
endfunction()

if(LOBBY_FUZZ)
  add_link_options(-fsanitize=address,undefined)
endif()

if(LOBBY_SANITIZE)
  add_link_options(-fsanitize=address,undefined)
endif()
