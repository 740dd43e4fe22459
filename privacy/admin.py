"""Nothing of the privacy app is in the admin: inzageverzoeken hold personal data (pseudonyms
and what the project held), and the admin is the functional administrator's, who sees none."""
