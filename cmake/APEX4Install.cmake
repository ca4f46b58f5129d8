# Placeholder replaced below.
