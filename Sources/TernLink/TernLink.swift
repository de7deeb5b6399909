// Link devices. Under construction.
