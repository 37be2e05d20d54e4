"""The offline demo: an invented catalogue of movies and courses plus synthetic users with hidden tastes.

content.py holds the hand-written word pools and course chains, generate.py turns them into a
catalogue, activity.py invents users and their events, and load.py writes everything to the database.
Nothing here downloads anything.
"""
