"""featurize"""
