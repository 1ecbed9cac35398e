"""Campaign screens: management for supervisors, the agent's workspace, statistics, the PBX's event hook."""
