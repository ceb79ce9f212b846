"""HTTP views of the login flows; each one is a thin shell around a function of :mod:`djwechat.login.flows`."""
