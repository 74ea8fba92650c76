# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
# Conan 2 recipe: `conan create .` builds the library (no tests, examples or benchmarks) and
# packages its headers, library, CMake package and pkg-config file.
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy


class SockmodeConan(ConanFile):
    name = "sockmode"
    version = "0.2.0"
    description = "Python's socket modes (blocking, non-blocking, timeout) for Boost.Asio"
    license = "BSL-1.0"
    topics = ("asio", "sockets", "timeout", "networking")
    settings = "os", "compiler", "build_type", "arch"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {"shared": False, "fPIC": True}
    exports = "LICENSE_1_0.txt"
    exports_sources = "CMakeLists.txt", "LICENSE_1_0.txt", "cmake/*", "include/*", "src/*"
    requires = "boost/1.81.0", "openssl/[>=3 <4]"

    def validate(self):
        if self.settings.os != "Linux":
            from conan.errors import ConanInvalidConfiguration
            raise ConanInvalidConfiguration("sockmode uses epoll, eventfd and membarrier: Linux only")

    def layout(self):
        cmake_layout(self)

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.variables["SOCKMODE_TESTS"] = False
        toolchain.variables["SOCKMODE_EXAMPLES"] = False
        toolchain.variables["SOCKMODE_BENCHMARKS"] = False
        toolchain.variables["SOCKMODE_TLS"] = True
        toolchain.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        CMake(self).install()
        copy(self, "LICENSE_1_0.txt", self.source_folder, os.path.join(self.package_folder, "licenses"))

    def package_info(self):
        self.cpp_info.libs = ["sockmode"]
        self.cpp_info.system_libs = ["pthread"]
        self.cpp_info.set_property("cmake_file_name", "sockmode")
        self.cpp_info.set_property("cmake_target_name", "sockmode::sockmode")
        self.cpp_info.set_property("pkg_config_name", "sockmode")
