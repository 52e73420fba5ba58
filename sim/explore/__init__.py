"""`ceasefire explore`: an interactive explorer of the model in the browser.

`backend` is the only module that talks to the model (the adapter: load a
scenario, run many worlds, step one world, write a variant file); `figures`
draws; `page` is the Solara page. Only `page` needs the optional `[explore]`
extra (Solara); `backend` and `figures` run on the core install.
"""
