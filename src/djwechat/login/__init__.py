"""WeChat logins: providers, the identity pipeline, flows (plain functions) and their HTTP views."""
