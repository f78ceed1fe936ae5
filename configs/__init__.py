"""YAML configs shipped as package data (`dopd_vl.configs`): model pairs, training recipes."""
