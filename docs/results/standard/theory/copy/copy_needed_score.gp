# Score needed vs decay, Mamba d_state = 16 (a = 0.6493) — data in copy_needed_score.csv
set datafile separator ','
set title 'Score needed vs decay, Mamba d_state = 16 (a = 0.6493)'
set xlabel 'copy distance L (tokens)'
set ylabel 'score c.b (weight 1 on the source)'
set key top left box opaque
set grid
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'copy_needed_score.png'
plot 'copy_needed_score.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'needed 1/alpha, measured', \
     'copy_needed_score.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title '(1/a_min)^(L-1) (Thm 1)'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'copy_needed_score.svg'
plot 'copy_needed_score.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'needed 1/alpha, measured', \
     'copy_needed_score.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title '(1/a_min)^(L-1) (Thm 1)'
unset output
