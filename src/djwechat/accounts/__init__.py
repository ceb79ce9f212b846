"""WeChat identities of users: the :class:`Identity` model, its admin and a user-model mixin."""
