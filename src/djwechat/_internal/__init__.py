"""Building blocks with no Django-app dependencies: signing, crypto, safe XML, imports, responses."""
