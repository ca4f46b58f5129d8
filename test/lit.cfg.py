# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "APEX4"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.apex4_obj_root, "test")
config.excludes = ["consumer", "Inputs", "CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

runner_libs = ",".join(
    os.path.join(config.mlir_lib_dir, name + ".so")
    for name in ("libmlir_c_runner_utils", "libmlir_runner_utils"))
config.substitutions.append(
    ("%mlir_runner",
     os.path.join(config.llvm_tools_dir, "mlir-runner") +
     " -e main --entry-point-result=void --shared-libs=" + runner_libs))
config.substitutions.append(("%apex4_src", config.apex4_src_root))

tool_dirs = [config.apex4_tools_dir, config.llvm_tools_dir]
tools = ["apex4-opt", "apex4-plan", "apex4-compile", "mlir-runner"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

if config.ptxas and os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))
