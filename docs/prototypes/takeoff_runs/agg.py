"""Tables of docs/prototypes/japan_takeoff.md from the runs of scripts/japan_takeoff_diag.py.

Usage: python agg.py base a ...  (yearly means over seeds and the history factors)."""
import os
import sys

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
pd.set_option('display.width',250); pd.set_option('display.max_columns',40)
YRS=[2000,2003,2006,2009,2012,2015,2018,2021,2024]
def load(v):
    d=pd.read_csv(os.path.join(HERE, f'{v}.csv'))
    d['vc']=d.vc_ind+d.vc_corp+d.vc_gov
    d['lp_total']=d.lp_private+d.lp_gov+d.lp_corp
    return d
def facs(d):
    p=d.pivot(index='seed',columns='year',values='vc'); q=d.pivot(index='seed',columns='year',values='ipos')
    f1=p[2021]/p[2012]; f2=q[2015]/q[2009].clip(lower=0.5)
    g=d.groupby('year').mean(numeric_only=True)
    return (f1.mean(), f1.min(), f1.max(), g.vc[2021]/g.vc[2012], g.ipos[2015]/g.ipos[2009], f2.min(), f2.max())
if __name__=='__main__':
    for v in sys.argv[1:]:
        d=load(v); g=d.groupby('year').mean(numeric_only=True)
        print('=====',v)
        cols=[c for c in sys.argv[0:0]] or ['lp_private','lp_gov','lp_corp','vc','vc_ind','vc_corp','vc_gov','dry_powder','rounds','seekers','active','ipo_eligible','ipos','window_q','log_lp','lp_param','ipo_propensity','founded']
        print(g.loc[YRS,cols].round(2).to_string())
        print('factors: VC21/12 mean-of-ratio %.2f [%.2f-%.2f], ratio-of-means %.2f; IPO15/09 ratio-of-means %.2f [per-seed %.2f-%.2f]'%facs(d))
