"""`ceasefire explore`: an interactive explorer of the model in the browser.

`backend` is the only module that talks to the model (the adapter: load a
scenario, run many worlds, step one world, what the settings change); `saving`
writes the settings as a variant file; `figures` draws; `page`, `panels` and
`widgets` are the Solara page. Only those three need the optional `[explore]`
extra (Solara); the others run on the core install.
"""
