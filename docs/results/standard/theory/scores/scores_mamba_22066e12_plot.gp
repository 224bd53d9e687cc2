# score at the source: mamba, d_state 4, d_model 32, trained to length 17 (cell 22066e12) — data in scores_mamba_22066e12_plot.csv
set datafile separator ','
set title 'score at the source: mamba, d_state 4, d_model 32, trained to length 17 (cell 22066e12)'
set xlabel 'copy distance L (tokens)'
set ylabel 'score (log scale)'
set key center right box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'scores_mamba_22066e12_plot.png'
plot 'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'layer 0: raw score |C_i.B_j| at the source', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'layer 0: needed 1/alpha', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'layer 0: (1/a)^(L-1), a = per-step decay (Thm 1)', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with points lw 2 title 'layer 1: raw score |C_i.B_j| at the source', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'layer 1: needed 1/alpha', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with lines lw 2 title 'layer 1: (1/a)^(L-1), a = per-step decay (Thm 1)'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'scores_mamba_22066e12_plot.svg'
plot 'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'layer 0: raw score |C_i.B_j| at the source', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'layer 0: needed 1/alpha', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'layer 0: (1/a)^(L-1), a = per-step decay (Thm 1)', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with points lw 2 title 'layer 1: raw score |C_i.B_j| at the source', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'layer 1: needed 1/alpha', \
     'scores_mamba_22066e12_plot.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with lines lw 2 title 'layer 1: (1/a)^(L-1), a = per-step decay (Thm 1)'
unset output
